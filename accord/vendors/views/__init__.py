"""Vendor pages: the list, the profile, its forms, and evidence downloads."""

from __future__ import annotations

from accord.vendors.views.files import certification_evidence, document_download
from accord.vendors.views.items import item_add, item_delete, item_edit
from accord.vendors.views.profiles import (
    vendor_add,
    vendor_delete,
    vendor_detail,
    vendor_edit,
    vendor_list,
)

__all__ = [
    "certification_evidence",
    "document_download",
    "item_add",
    "item_delete",
    "item_edit",
    "vendor_add",
    "vendor_delete",
    "vendor_detail",
    "vendor_edit",
    "vendor_list",
]
