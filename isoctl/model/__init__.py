"""The data types: records of every kind and the manifest (pydantic), and the Result of an evaluation.

This package imports nothing else of isoctl, so any layer may depend on it.
Import the module you need (``isoctl.model.records``, ``isoctl.model.result``):
the result types are plain dataclasses and load without pydantic.
"""
