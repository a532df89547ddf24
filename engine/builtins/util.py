"""(being written)"""

from __future__ import annotations

from engine.spec import ModuleTable

MODULES = ModuleTable()
