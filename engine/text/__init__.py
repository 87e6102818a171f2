"""Judge findings written as Chinese text (inspection records, enforcement notices).

`engine.text.reader.read` extracts facts with spans and confidence; `engine.text.judge_text`
(in engine.text.judging) judges them, asserting only confirmed facts.
"""
