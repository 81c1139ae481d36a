"""The OpenAPI schema and the Swagger docs page: public, complete for /v1/videos, no CDN."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders

EXPECTED_OPERATIONS = {
    ("/v1/videos", "get"): "videos_list",
    ("/v1/videos", "post"): "videos_create",
    ("/v1/videos/{video_id}", "get"): "videos_retrieve",
    ("/v1/videos/{video_id}", "delete"): "videos_delete",
    ("/v1/videos/{video_id}/content", "get"): "videos_download_content",
    ("/v1/videos/{video_id}/remix", "post"): "videos_remix",
    ("/v1/videos/edits", "post"): "videos_edit",
    ("/v1/videos/extensions", "post"): "videos_extend",
    ("/v1/videos/characters", "post"): "videos_create_character",
    ("/v1/videos/characters/{character_id}", "get"): "videos_get_character",
    ("/v1/videos/{video_id}/feedback", "get"): "videos_feedback_retrieve",
    ("/v1/videos/{video_id}/feedback", "post"): "videos_feedback_create",
    ("/v1/webhook_endpoints", "get"): "webhook_endpoints_list",
    ("/v1/webhook_endpoints", "post"): "webhook_endpoints_create",
    ("/v1/webhook_endpoints/{endpoint_id}", "get"): "webhook_endpoints_retrieve",
    ("/v1/webhook_endpoints/{endpoint_id}", "delete"): "webhook_endpoints_delete",
    ("/v1/webhook_endpoints/{endpoint_id}/deliveries", "get"): "webhook_endpoints_deliveries",
}
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.fixture
def schema(client, db) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_public_openapi_yaml_by_default(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Early-access tester API"


def test_the_schema_lists_every_video_operation(schema):
    found = {
        (path, method): operation["operationId"]
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/v1/")
    }
    assert found == EXPECTED_OPERATIONS


def test_every_video_operation_requires_the_bearer_token(schema):
    schemes = schema["components"]["securitySchemes"]
    bearer = [name for name, scheme in schemes.items() if scheme.get("scheme") == "bearer"]
    assert bearer, schemes
    for (path, method), _ in EXPECTED_OPERATIONS.items():
        security = schema["paths"][path][method].get("security", [])
        assert any(set(requirement) & set(bearer) for requirement in security), (path, method)


def test_create_accepts_json_and_multipart_with_openais_fields(schema):
    body = schema["paths"]["/v1/videos"]["post"]["requestBody"]
    assert {"application/json", "multipart/form-data"} <= set(body["content"])
    ref = body["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    assert {"prompt", "model", "seconds", "size"} <= set(fields)
    assert set(_enum(schema, fields["seconds"])) == {"4", "8", "12"}
    assert "1280x720" in _enum(schema, fields["size"])


def _enum(schema: dict, field: dict) -> list:
    if "enum" in field:
        return field["enum"]
    for part in field.get("allOf", []) + field.get("oneOf", []) + [field]:
        if "$ref" in part:
            return schema["components"]["schemas"][part["$ref"].rsplit("/", 1)[-1]]["enum"]
    raise AssertionError(f"no enum in {field}")


def test_the_video_object_has_openais_fields(schema):
    ref = schema["paths"]["/v1/videos/{video_id}"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    video = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {
        "id",
        "object",
        "created_at",
        "completed_at",
        "status",
        "progress",
        "prompt",
        "seconds",
        "size",
        "model",
        "error",
    } <= set(video["properties"])
    assert video["properties"]["seconds"]["type"] == "string"


def test_the_list_takes_cursor_parameters(schema):
    names = {p["name"] for p in schema["paths"]["/v1/videos"]["get"]["parameters"]}
    assert {"after", "limit", "order"} <= names


def test_the_docs_page_needs_no_sign_in(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "swagger-ui" in page.lower()
    assert '"/api/schema/"' in page


def test_the_docs_page_loads_only_local_assets(client, db):
    page = client.get("/api/docs/").content.decode()
    assets = ASSET.findall(page)
    assert assets, "expected the page to load Swagger UI's script and stylesheet"
    assert not re.search(r"(?i)https?://|//cdn|unpkg|jsdelivr|cdnjs", page)
    for url in assets:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a local static file"


def test_the_docs_assets_are_served(client, db):
    page = client.get("/api/docs/").content.decode()
    scripts = [url for url in ASSET.findall(page) if url.endswith(".js")]
    assert scripts
    for url in scripts:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.getvalue()
        response.close()
        assert len(content) > 1000, url


def test_the_schema_publishes_its_version(schema, settings):
    assert schema["info"]["version"] == settings.SPECTACULAR_SETTINGS["VERSION"]
    assert schema["info"]["version"].count(".") == 2  # semantic versioning


def test_every_operation_documents_its_errors_in_openais_shape(schema):
    """401/403/429 (and 404 with a path parameter) on every token operation, with the error
    object; a blank prompt is refused by the schema as by the server."""
    for (path, method), _ in EXPECTED_OPERATIONS.items():
        responses = schema["paths"][path][method]["responses"]
        expected = {"400", "401", "403", "429"} | ({"404"} if "{" in path else set())
        assert expected <= set(responses), (path, method, sorted(responses))
        for code in expected:
            body = responses[code]["content"]["application/json"]["schema"]
            assert body["$ref"].endswith("/OpenAIError"), (path, method, code)
    content = schema["paths"]["/v1/videos/{video_id}/content"]["get"]["responses"]
    assert "409" in content
    prompt = _create_fields(schema)["prompt"]
    assert prompt["minLength"] == 1 and "pattern" in prompt


def _create_fields(schema: dict) -> dict:
    body = schema["paths"]["/v1/videos"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
