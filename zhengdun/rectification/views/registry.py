"""The registry's former module, kept so callers written against it still import: 建章立制's
pages are views.institutions, 工期模板's views.templates, the filter rectification.filters."""

from zhengdun.rectification.filters import filter_institutions, visible_institutions

__all__ = ["filter_institutions", "visible_institutions"]
