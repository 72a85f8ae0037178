import os
import unittest
from unittest import mock

from app.app import app


class AppTest(unittest.TestCase):
    def setUp(self):
        self.client = app.test_client()

    def test_index_answers_the_health_check(self):
        with mock.patch.dict(os.environ, {"APP_NAME": "shop"}):
            resp = self.client.get("/")
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.get_data(as_text=True), "Hello from shop!\n")

    def test_version_reports_the_built_commit(self):
        with mock.patch.dict(os.environ, {"IMAGE_TAG": "a1b2c3d"}):
            resp = self.client.get("/version")
        self.assertEqual(resp.get_json(), {"version": "a1b2c3d"})

    def test_unknown_path_is_404(self):
        self.assertEqual(self.client.get("/nope").status_code, 404)


if __name__ == "__main__":
    unittest.main()
