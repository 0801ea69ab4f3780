"""A run on disk: ``folder`` (the run folder, its names, the ``latest`` link), ``summary``
(the one model of ``run.json``) and ``finish`` (the one owner of finishing a run folder)."""
