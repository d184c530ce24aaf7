"""Data for the risk-ranking benchmark (``benchmarks/eval_risk_real.py``).

No package on the registries this project reaches ships a dated, per-establishment inspection
register (see ``benchmarks/risk_data/README.md`` for what was checked), so
:mod:`benchmarks.risk_data.generate` simulates one in the bureau's formats. It is written from
scratch: it shares no code or parameters with ``guidance_analytics.samples``.
"""
