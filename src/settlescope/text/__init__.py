"""Text tools: language identification, keyword taxonomies, question detection, labelling.

- :mod:`settlescope.text.langid`: the language of a post (fastText, then lingua), or "und";
- :mod:`settlescope.text.taxonomy`: versioned keyword taxonomies (data files under
  ``taxonomies/``) matched with Aho–Corasick;
- :mod:`settlescope.text.questions`: rules that tell a question;
- :mod:`settlescope.text.label`: the step that writes all of it into the workspace.
"""
