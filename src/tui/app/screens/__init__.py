"""The screens: the main explorer, the reader on narrow terminals, bookmarks, help and dialogs."""
