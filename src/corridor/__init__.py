"""corridor: the electronic, harmonised and sovereign document flow of the Middle Corridor."""

__version__ = "0.1.0"
