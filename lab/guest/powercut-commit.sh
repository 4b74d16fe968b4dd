# Guest half of the `powercut` scenario's last case: H stops just before the
# commit (kjump.lab-pause=before-commit), and the host cuts the power there.
KJUMP_POWERCUT_APPEND=kjump.lab-pause=before-commit . /lab/scenarios/powercut.sh
