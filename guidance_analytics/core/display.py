"""Tables in notebooks as staff use them: interactive (sort, search, page), in Chinese, offline.

:func:`interactive_tables` switches every DataFrame shown in a notebook to an `itables`_ table
(DataTables) whose JavaScript is embedded in the notebook itself (``connected=False``), so it
works on a machine without internet access and makes no request outside; the controls speak
Chinese. Combine with :func:`~guidance_analytics.core.for_people` for Chinese headers and values.

.. _itables: https://mwouts.github.io/itables/
"""

from __future__ import annotations

from typing import Any

#: DataTables' interface texts in Chinese (the offline mode cannot fetch a translation file).
CHINESE_TABLE_TEXT: dict[str, Any] = {
    "search": "搜索：",
    "lengthMenu": "每页 _MENU_ 行",
    "info": "第 _START_ 至 _END_ 行，共 _TOTAL_ 行",
    "infoEmpty": "共 0 行",
    "infoFiltered": "（从 _MAX_ 行中筛选）",
    "zeroRecords": "没有匹配的行",
    "emptyTable": "表中没有数据",
    "loadingRecords": "加载中…",
    "paginate": {"first": "首页", "last": "末页", "next": "下一页", "previous": "上一页"},
    "aria": {"orderable": "点击排序", "orderableReverse": "点击倒序"},
}


def interactive_tables(page_length: int = 10, max_bytes: int = 2**21) -> bool:
    """Show every DataFrame in this notebook as an interactive table (offline, Chinese controls).

    Parameters
    ----------
    page_length : int
        Rows per page.
    max_bytes : int
        Tables larger than this are shown down-sampled (itables' safeguard for the notebook's size).

    Returns
    -------
    bool
        True when itables is installed (``pip install -e ".[notebooks]"``); False otherwise, and
        tables stay plain HTML.
    """
    try:
        import itables
    except ImportError:
        return False
    itables.options.language = CHINESE_TABLE_TEXT
    itables.options.pageLength = page_length
    itables.options.lengthMenu = [10, 25, 50, 100]
    itables.options.showIndex = False
    itables.options.maxBytes = max_bytes
    itables.options.classes = "display compact"
    itables.init_notebook_mode(all_interactive=True, connected=False)
    return True
