"""Training administration: policy versions, modules, completions, banners and the completion report."""
