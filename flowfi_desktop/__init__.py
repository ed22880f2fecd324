"""FlowFi Desktop: a native wallet for FlowFi token payment streams on Stellar."""

# The one place the version is written: pyproject.toml reads it (tool.setuptools.dynamic).
# Reading it back through importlib.metadata cost every CLI command ~20 ms at start.
__version__ = "0.1.0"

APP_NAME = "FlowFi Desktop"
APP_ID = "flowfi-desktop"
