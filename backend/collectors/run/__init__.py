"""One run of a recipe: the browser, what the steps see, downloads, traces, the child process."""
