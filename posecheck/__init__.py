"""posecheck: watches a person stretch and tells them, frame by frame, whether their form is right.

Data flows one way: frame source -> pose estimator -> landmarks -> smoothing ->
features -> exercise rules -> hold/rep tracker -> feedback -> sinks.
"""

__version__ = "0.1.0"
