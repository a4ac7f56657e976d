"""The server aborts the connection: SO_LINGER {1, 0} then close() -> RST."""
from common import abort_scenario

abort_scenario("rst-server", "server", 40007)
