"""Prompt policy: DLP and responsible-use checks that turn a prompt into a Decision."""
