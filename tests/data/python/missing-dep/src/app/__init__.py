"""An app whose dependency is not installed."""

import golive_absent_dependency

VERSION: str = golive_absent_dependency.VERSION
