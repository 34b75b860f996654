"""Dependencies as Annotated aliases; handlers never build clients themselves."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from redis import Redis

from app.core.config import Settings, get_settings
from app.core.redis import make_redis


@lru_cache(maxsize=1)
def get_redis() -> Redis:
    return make_redis(get_settings())


SettingsDep = Annotated[Settings, Depends(get_settings)]
RedisDep = Annotated[Redis, Depends(get_redis)]
