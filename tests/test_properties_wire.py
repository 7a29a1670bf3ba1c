"""The AWS endpoint's own reading of query strings and form bodies agrees with the standard library's."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st

from ec2sim.api.wire import form_pairs

# Characters that matter to the form syntax, mixed with any others.
form_text = st.text(st.sampled_from("&=+%20aZ~é\x00") | st.characters(), max_size=60)


@given(text=form_text)
def test_form_pairs_reads_what_parse_qsl_reads(text: str) -> None:
    assert form_pairs(text) == parse_qsl(text, keep_blank_values=True)
