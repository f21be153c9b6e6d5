"""The pipeline's HTTP faces: the OpenAI Images API (`images`), Azure OpenAI's deployment routes
(`azure`) and the review routes that reach into a generation (`reviews`)."""
