"""Console scripts of fault_persist."""
