"""SCIM discovery documents: ServiceProviderConfig, Schemas and ResourceTypes (what Limner stores)."""

from __future__ import annotations

from typing import Any

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
MAX_RESULTS = 100


def attr(name: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    base = {
        "name": name,
        "type": kind,
        "multiValued": False,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
        "description": name,
    }
    return {**base, **extra}


def _user_attributes() -> list[dict[str, Any]]:
    name_sub = [attr("formatted"), attr("familyName"), attr("givenName")]
    email_sub = [
        attr("value"),
        attr("type", canonicalValues=["work", "home", "other"]),
        attr("primary", "boolean"),
    ]
    group_sub = [
        attr("value", mutability="readOnly"),
        attr("$ref", "reference", referenceTypes=["Group"], mutability="readOnly"),
        attr("display", mutability="readOnly"),
    ]
    return [
        attr("userName", required=True, uniqueness="server"),
        attr("name", "complex", subAttributes=name_sub),
        attr("displayName"),
        attr("emails", "complex", multiValued=True, subAttributes=email_sub),
        attr("active", "boolean", required=True),  # Limner always has an answer: a user is active or not
        attr("groups", "complex", multiValued=True, mutability="readOnly", subAttributes=group_sub),
    ]


def _group_attributes() -> list[dict[str, Any]]:
    member_sub = [
        attr("value", mutability="immutable"),
        attr("$ref", "reference", referenceTypes=["User"], mutability="immutable"),
    ]
    return [
        attr("displayName", required=True, uniqueness="server"),
        attr("members", "complex", multiValued=True, subAttributes=member_sub),
    ]


def schemas(base: str) -> list[dict[str, Any]]:
    return [
        _schema(USER_SCHEMA, "User", "User Account", _user_attributes(), base),
        _schema(GROUP_SCHEMA, "Group", "Group", _group_attributes(), base),
    ]


def _schema(urn: str, name: str, desc: str, attributes: list[dict[str, Any]], base: str) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": urn,
        "name": name,
        "description": desc,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{urn}"},
    }


def resource_types(base: str) -> list[dict[str, Any]]:
    return [
        _resource_type("User", "/Users", USER_SCHEMA, base),
        _resource_type("Group", "/Groups", GROUP_SCHEMA, base),
    ]


def _resource_type(name: str, endpoint: str, schema: str, base: str) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "description": name,
        "schema": schema,
        "schemaExtensions": [],
        "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/{name}"},
    }


def service_provider_config(base: str) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/limner/limner/blob/main/docs/admin-api.md#scim",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A Limner API key with the scim role",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base}/ServiceProviderConfig"},
    }
