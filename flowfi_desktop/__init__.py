"""FlowFi Desktop: a native wallet for FlowFi token payment streams on Stellar."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("flowfi-desktop")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

APP_NAME = "FlowFi Desktop"
APP_ID = "flowfi-desktop"
