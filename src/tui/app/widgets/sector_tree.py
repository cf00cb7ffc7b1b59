"""The sector tree: the corpus taxonomy with, per node, how many paragraphs match the query."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...render import safe

if TYPE_CHECKING:
    from ...answers import SectorNode


class SectorTree(Tree[str]):
    """``enter`` filters the results by the node under the cursor; on the root it clears the filter."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="down"),
        Binding("k", "cursor_up", "Up", show=False, id="up"),
        Binding("g", "scroll_home", "First", show=False, id="first"),
        Binding("G", "scroll_end", "Last", show=False, id="last"),
        Binding("l,right", "expand", "Expand", show=False, id="tree.expand"),
        Binding("h,left", "collapse", "Collapse", show=False, id="tree.collapse"),
        Binding("enter", "select_cursor", "Filter", id="tree.filter",
                tooltip="Show only paragraphs of this sector (the root shows all)"),
    ]

    class Picked(Message):
        """The user picked a sector path, or ``None`` (the root) for no filter."""

        def __init__(self, path: str | None) -> None:
            super().__init__()
            self.path = path

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("Sectors"), data="", id=id)
        self.auto_expand = False
        self.show_root = True
        self.border_title = "2 Sectors"
        self.active: str | None = None
        self._names: dict[str, Text] = {}
        self._counts: dict[str, int] = {}

    def show(self, tree: "SectorNode") -> None:
        """Show ``tree``'s counts, building the nodes the first time."""
        self._counts = {node.path: node.count for node, _ in tree.walk()}
        if not self.root.children and tree.children:
            self._names = {node.path: safe(node.name) for node, _ in tree.walk() if node.path}
            self._add_sectors(self.root, tree)
            self.root.expand()
        self._relabel()

    def name_of(self, path: str) -> Text:
        """The sector's name as shown (its path if the tree does not know it)."""
        return self._names.get(path, safe(path))

    def filter_by(self, path: str | None) -> None:
        self.active = path or None
        self._relabel()

    def _add_sectors(self, parent: TreeNode[str], spec: "SectorNode") -> None:
        for child in spec.children:
            node = parent.add(Text(""), data=child.path, allow_expand=bool(child.children))
            self._add_sectors(node, child)

    def _relabel(self) -> None:
        stack = [self.root]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            node.set_label(self._label(node.data or ""))

    def _label(self, path: str) -> Text:
        count = self._counts.get(path, 0)
        name = Text("All sectors") if not path else self._names.get(path, Text(path))
        active = (self.active or "") == path
        label = Text.assemble(("● " if active else "", "bold green"), name.copy(),
                              (f" {count}", "bold" if count else "dim"))
        if not count:
            label.stylize("dim")
        return label

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.expand()

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.children:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)

    def _on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        path = event.node.data or None
        self.post_message(self.Picked(path))
