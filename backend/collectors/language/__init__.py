"""The recipe language: YAML loaded with positions, validated, documented."""
