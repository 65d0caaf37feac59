from posecheck.io.model import MODEL_SHA256, default_model_path, sha256_of
from conftest import REPO


def test_shipped_model_hash():
    path = REPO / "models" / "pose_landmarker_full.task"
    assert sha256_of(path) == MODEL_SHA256


def test_default_model_is_found():
    assert default_model_path().is_file()


def test_model_is_a_stored_zip_of_two_tflite_files():
    import zipfile

    with zipfile.ZipFile(REPO / "models" / "pose_landmarker_full.task") as bundle:
        infos = {i.filename: i for i in bundle.infolist()}
    assert set(infos) == {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos.values())
