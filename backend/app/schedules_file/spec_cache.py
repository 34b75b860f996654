"""What the last valid schedules.json held, so that an unchanged entry is not validated
again: one edit in a file of 100,000 entries would otherwise cost a full validation
(about 0.25 ms an entry) on every save.

An entry is known by a hash of its name and its value as parsed (cache_key). The cache
holds its spec's digest, not the spec (a spec takes about 3 KB; 100,000 of them would
stay in Beat's memory for good): an entry the sync must write is validated again when
its spec is first asked for, which the cache's word makes certain to pass.

The cache belongs to one task registry and one set of argument limits; either changed,
it starts empty. It holds the entries of the last valid file only, so its size follows
the file's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

from app.core.config import get_settings
from app.schedules import ScheduleSpec, TaskRegistry, validate_spec

Key = bytes


def cache_key(name: str, raw: Any) -> Key:
    """The entry's identity for the cache: a hash of its name and the repr of its value
    as json.loads made it (repr keeps key order and tells `1`, `1.0`, `True` and `"1"`
    apart, as `==` would not; it is twice as fast as json.dumps)."""
    text = name + "\0" + repr(raw)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class SpecCache:
    _current: SpecCache | None = None

    def __init__(self, registry: TaskRegistry, limits: tuple[int, int]) -> None:
        self.registry = registry
        self.limits = limits
        self.digests: dict[Key, str] = {}

    @classmethod
    def for_context(cls, registry: TaskRegistry) -> SpecCache:
        """The process's cache, emptied if the registry or the limits changed."""
        settings = get_settings()
        limits = (settings.max_args_bytes, settings.max_args_depth)
        current = cls._current
        if current is None or current.registry is not registry or current.limits != limits:
            current = cls._current = SpecCache(registry, limits)
        return current

    @classmethod
    def clear(cls) -> None:
        cls._current = None

    def get(self, key: Key) -> str | None:
        return self.digests.get(key)

    def replace(self, digests: dict[Key, str]) -> None:
        """Keep only what the file just validated holds."""
        self.digests = digests


class Validated(Mapping[str, ScheduleSpec]):
    """A valid file's specs by name, in file order. Entries the cache vouched for are
    validated when first asked for (the sync asks only of those it writes)."""

    def __init__(self, registry: TaskRegistry) -> None:
        self.registry = registry
        self.digests: dict[str, str] = {}
        self.cache_keys: dict[Key, str] = {}
        self._specs: dict[str, ScheduleSpec | None] = {}
        self._raw: dict[str, Any] = {}

    def vouched(self, name: str, raw: Any, digest: str, key: Key) -> None:
        self.digests[name] = digest
        self._specs[name] = None
        self._raw[name] = raw
        self.cache_keys[key] = digest

    def validated(self, name: str, spec: ScheduleSpec, key: Key | None) -> None:
        digest = spec.digest()
        self.digests[name] = digest
        self._specs[name] = spec
        if key is not None:
            self.cache_keys[key] = digest

    def __getitem__(self, name: str) -> ScheduleSpec:
        spec = self._specs[name]
        if spec is None:
            spec = self._specs[name] = validate_spec(self._raw.pop(name), self.registry)
        return spec

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs
