from stance.annotations.user_annotations import load_user_annotations, user_split


def test_split_is_per_document_and_stable():
    splits = [user_split(f"doc-{i}") for i in range(400)]
    assert user_split("doc-7") == user_split("doc-7")
    assert 0.6 < splits.count("train") / 400 < 0.8 and splits.count("test") > 30


def test_no_user_files_give_an_empty_frame_with_the_columns():
    frame = load_user_annotations([])
    assert len(frame) == 0 and {"text", "label", "split", "file"} <= set(frame.columns)
