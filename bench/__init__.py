"""The benchmark suite: synthetic banks (`synth`), raw-library baselines
(`baselines`) and the harness that times them against prepdeck (`run`)."""
