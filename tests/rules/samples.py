"""Rule pack texts the tests read."""

GOOD = """\
jurisdiction: KZ
name: test
countries: [KZ]
version: "1"
effective_from: 2025-01-01
languages: [kk]
rules:
  - id: KZ-NUC
    topic: licence.nuclear
    title: Nuclear licence
    procedures: [transit]
    when: {hs: ["2612", "2844"]}
    requires: {documents: [nuclear_licence]}
    severity: blocking
    legal: {status: illustrative, note: "test"}
"""
