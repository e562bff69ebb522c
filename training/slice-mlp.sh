#!/usr/bin/env bash
# The mlp slice model: CV and shipped model (training/slice-model.sh).
exec bash "$(dirname "$0")/slice-model.sh" mlp "$@"
