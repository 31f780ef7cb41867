from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """`{count, next, previous, results}` pages; clients may ask for up to 1000 rows."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        descriptions = {
            "count": "符合条件的记录总数",
            "next": "下一页链接(没有则为 null)",
            "previous": "上一页链接(没有则为 null)",
            "results": "本页记录",
        }
        for name, text in descriptions.items():
            described["properties"][name]["description"] = text
        return described
