"""Chinese summaries and parameter descriptions for operations that do not spell their own."""

from drf_spectacular.openapi import AutoSchema

ACTION_SUMMARIES = {
    "list": "{}列表",
    "retrieve": "{}详情",
    "create": "新建{}",
    "update": "修改{}",
    "partial_update": "修改{}(部分字段)",
    "destroy": "删除{}",
}


def _model_of(view):
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer_class = getattr(view, "serializer_class", None)
    meta = getattr(serializer_class, "Meta", None)
    return getattr(meta, "model", None)


class DescribedAutoSchema(AutoSchema):
    def get_summary(self):
        summary = super().get_summary()
        template = ACTION_SUMMARIES.get(getattr(self.view, "action", None))
        model = _model_of(self.view)
        if summary or template is None or model is None:
            return summary
        return template.format(model._meta.verbose_name)

    def _get_filter_parameters(self):
        """A filter declared without a label is described by its model field's verbose name."""
        parameters = super()._get_filter_parameters()
        filterset_class = getattr(self.view, "filterset_class", None)
        if filterset_class is None:
            return parameters
        model = filterset_class._meta.model
        for parameter in parameters:
            if parameter.get("description"):
                continue
            declared = filterset_class.base_filters.get(parameter["name"])
            field_name = getattr(declared, "field_name", parameter["name"])
            try:
                parameter["description"] = str(model._meta.get_field(field_name).verbose_name)
            except Exception:  # noqa: BLE001 - a computed filter with no model field
                continue
        return parameters
