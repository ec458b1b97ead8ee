"""Network texts the tests read."""

ISLAND = """
version: 1
name: test
nodes:
  - {id: a, name: A, country: KZ, kind: junction, lat: 1, lon: 1, dwell_h: 1, dwell_basis: assumption}
  - {id: b, name: B, country: KZ, kind: junction, lat: 1, lon: 2, dwell_h: 1, dwell_basis: assumption}
  - {id: c, name: C, country: AZ, kind: seaport, lat: 1, lon: 3, dwell_h: 1, dwell_basis: assumption}
legs:
  - {from: a, to: b, mode: rail, distance_km: 10, distance_basis: assumption, hours: 1, hours_basis: assumption}
sources: {}
"""
