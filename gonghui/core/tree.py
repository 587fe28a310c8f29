"""Materialised-path helpers shared by every scoped model.

A path is the chain of ancestor ids, each zero-padded to PATH_WIDTH digits and
followed by a dot: ``00000001.00000042.``. A subtree is every path that starts
with a given path. Columns holding a path use byte-order ("C") collation on
PostgreSQL so that the range test below is a plain B-tree range on both databases.
"""

from django.db import models
from django.db.models import Q

PATH_WIDTH = 8
PATH_SEP = "."
# '/' sorts immediately after '.', and every character in a path is '.' or a digit
# (both of which sort at or after '.'), so [path, path[:-1] + '/') holds exactly the subtree.
_PATH_UPPER = "/"


def path_segment(pk: int) -> str:
    return f"{pk:0{PATH_WIDTH}d}{PATH_SEP}"


def subtree_bounds(path: str) -> tuple[str, str]:
    return path, path[:-1] + _PATH_UPPER


def in_subtree(field: str, path: str) -> Q:
    """Q for rows whose `field` lies in the subtree rooted at `path` (the root included)."""
    low, high = subtree_bounds(path)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def in_any_subtree(field: str, paths) -> Q:
    """Q for rows inside any of the given subtrees; nested paths are folded first."""
    q = Q()
    for path in fold_paths(paths):
        q |= in_subtree(field, path)
    return q


def fold_paths(paths) -> list[str]:
    """Drop paths that lie inside another path of the list (a grant on an ancestor covers them)."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if result and path.startswith(result[-1]):
            continue
        result.append(path)
    return result


def ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.split(PATH_SEP) if part]


class ByteOrderCharField(models.CharField):
    """A CharField compared in byte (code point) order on both databases: collation "C" on
    PostgreSQL, SQLite's default BINARY. Prefix searches on it are plain B-tree ranges
    (`prefix_range`), which a locale collation would not keep contiguous."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


def prefix_range(field: str, prefix: str) -> Q:
    """Q for `field` starting with `prefix`, as a range an ordinary index serves on both databases.

    SQLite's LIKE is case-insensitive, so `startswith` (LIKE 'x%') never uses an index there;
    on PostgreSQL LIKE needs a pattern-ops index. The range needs a ByteOrderCharField.
    """
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


class PathField(ByteOrderCharField):
    """A materialised path column: byte-order collation on PostgreSQL, BINARY on SQLite."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 255:
            del kwargs["max_length"]
        return name, path, args, kwargs
