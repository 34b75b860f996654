"""Types the response models share."""

from __future__ import annotations

from typing import Annotated

from pydantic import WithJsonSchema

# Times the API writes: ISO 8601 with an offset (the entry's timezone, or Z for UTC).
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
