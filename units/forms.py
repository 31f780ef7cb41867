"""One validation of a unit user's details, used by add_unit_user and the Excel import."""

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from .models import Unit


class UnitUserForm(forms.Form):
    username = forms.CharField(
        label="用户名", max_length=150, validators=[UnicodeUsernameValidator()]
    )
    name = forms.CharField(label="姓名", max_length=150, required=False)
    unit = forms.CharField(label="单位", max_length=200)
    phone = forms.CharField(label="电话", max_length=50, required=False)
    email = forms.EmailField(label="邮箱", required=False)

    def clean_unit(self) -> Unit:
        name = self.cleaned_data["unit"].strip()
        unit = Unit.objects.resolve(name)
        if unit is None:
            raise forms.ValidationError(f"单位“{name}”不存在(可用单位全称或别名)")
        return unit
