"""Export the JSON Schema of every event: ``python -m shared.contracts [out_dir]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shared.contracts.registry import EVENT_TYPES


def export(out_dir: Path) -> list[Path]:
    """Write one ``<Type>.schema.json`` per event type into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, cls in sorted(EVENT_TYPES.items()):
        path = out_dir / f"{name}.schema.json"
        schema = cls.model_json_schema(mode="serialization")
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")
    for path in export(target):
        print(path)
