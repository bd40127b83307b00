"""Validate statements with Ralph's pydantic xAPI 1.0.3 models; runs inside .venv-ralph, not Guild's venv.

Reads a JSON array of statements on stdin and writes a JSON array with, for each statement, the
list of problems `ralph.models.xapi.base.statements.BaseXapiStatement` finds (empty when valid).
"""

import json
import sys

from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement


def problems(statement: dict) -> list[str]:
    try:
        BaseXapiStatement.model_validate(statement)
    except ValidationError as error:
        return [f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()]
    return []


if __name__ == "__main__":
    json.dump([problems(statement) for statement in json.load(sys.stdin)], sys.stdout)
