"""One validation of a unit user's details, used by add_unit_user and the Excel import."""

from difflib import get_close_matches

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from .models import Unit, UnitAlias


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
        same_named = Unit.objects.filter(name=name)
        if same_named.count() > 1:
            choices = "、".join(unit.full_name for unit in same_named.order_by("region__code"))
            raise forms.ValidationError(f"有多个政府的单位叫“{name}”,请写明所属政府,如:{choices}")
        unit = Unit.objects.resolve(name)
        if unit is None:
            hint = "、".join(similar_unit_names(name))
            raise forms.ValidationError(
                f"单位“{name}”不存在(可用单位全称或别名)" + (f",是否是:{hint}" if hint else "")
            )
        return unit


def similar_unit_names(name: str, limit: int = 3) -> list[str]:
    """Unit names and aliases spelled like `name`, to suggest after a typo."""
    known = [*Unit.objects.values_list("name", flat=True)]
    known += UnitAlias.objects.values_list("name", flat=True)
    return get_close_matches(name, known, n=limit, cutoff=0.6)
