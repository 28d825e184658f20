"""The live view in the browser: ``gankit view RUN|SWEEP`` and ``gankit train … --view``.

``hub`` holds a run's events, ``live`` publishes them from training (frames drawn in
a background thread), ``replay`` reads them back from a run or sweep directory,
``server`` streams them to the page under ``static/``. This package sits at the
``runs`` floor: it may import gan, runs and below; nothing below imports it.
"""
