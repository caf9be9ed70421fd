"""Metrics of the LLM layer: QA accuracy with answer extraction (`qa`), caption metrics (`captions`,
pycocoevalcap and bert-score imported lazily) and retrieval (`retrieval`: R-precision, MM-Dist).
See docs/metrics.md.
"""
