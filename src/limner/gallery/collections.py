"""Collections: named sets of images, personal or shared with one group; favourites and tags.

Only the owner sees a personal collection; a shared one is seen by its group's members too, who may add
their own images to it. Creating, sharing and unsharing are audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from limner.audit.schemas import AuditAction
from limner.audit.service import record
from limner.errors import InvalidRequestError, NotFoundError
from limner.gallery.collection_models import Collection, CollectionItem, Favourite, ImageTag
from limner.identity.accounts.service import find_group, groups_of
from limner.identity.schemas import Principal
from limner.imaging.records import ImageRecord

MAX_NAME = 80
MAX_TAG = 40
MAX_TAGS = 20


async def create_collection(session: AsyncSession, owner: Principal, *, name: str) -> Collection:
    collection = Collection(owner_id=owner.user_id, name=await _free_name(session, owner, name))
    session.add(collection)
    await _audit(session, AuditAction.COLLECTION_CREATED, owner, collection)
    return collection


async def rename_collection(
    session: AsyncSession, collection: Collection, owner: Principal, *, name: str, request_id: str
) -> None:
    name = name.strip()
    if name == collection.name:
        return
    collection.name = await _free_name(session, owner, name)
    await _audit(session, AuditAction.COLLECTION_RENAMED, owner, collection, request_id)


async def _free_name(session: AsyncSession, owner: Principal, name: str) -> str:
    """A valid name none of the owner's collections has yet."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidRequestError(f"Name the collection (up to {MAX_NAME} characters).", param="name")
    same = select(Collection.id).where(Collection.owner_id == owner.user_id, Collection.name == name)
    if (await session.execute(same)).first() is not None:
        raise InvalidRequestError("You already have a collection with that name.", param="name")
    return name


async def visible_collections(session: AsyncSession, user_id: str) -> Sequence[Collection]:
    """One's own collections and those shared with a group one belongs to."""
    group_ids = [g.id for g in await groups_of(session, user_id)]
    query = select(Collection).where(or_(Collection.owner_id == user_id, Collection.group_id.in_(group_ids)))
    return (await session.execute(query.order_by(Collection.name))).scalars().all()


async def get_visible(session: AsyncSession, collection_id: str, user_id: str) -> Collection:
    """The same answer (404) for a collection that does not exist and one the person may not see."""
    for collection in await visible_collections(session, user_id):
        if collection.id == collection_id:
            return collection
    raise NotFoundError("No such collection.")


async def get_owned(session: AsyncSession, collection_id: str, user_id: str) -> Collection:
    collection = await session.get(Collection, collection_id)
    if collection is None or collection.owner_id != user_id:
        raise NotFoundError("No such collection.")
    return collection


async def share_with_group(
    session: AsyncSession, collection: Collection, owner: Principal, *, group_name: str, request_id: str
) -> None:
    group = await find_group(session, name=group_name.strip())
    if group is None:
        raise InvalidRequestError("There is no group with that name.", param="group")
    collection.group_id = group.id
    await _audit(session, AuditAction.COLLECTION_SHARED, owner, collection, request_id, group_id=group.id)


async def unshare(
    session: AsyncSession, collection: Collection, owner: Principal, *, request_id: str
) -> None:
    if collection.group_id is None:
        return
    group_id, collection.group_id = collection.group_id, None
    await _audit(session, AuditAction.COLLECTION_UNSHARED, owner, collection, request_id, group_id=group_id)


async def delete_collection(
    session: AsyncSession, collection: Collection, owner: Principal, *, request_id: str
) -> None:
    await _audit(
        session, AuditAction.COLLECTION_DELETED, owner, collection, request_id, group_id=collection.group_id
    )
    await session.delete(collection)


async def add_image(
    session: AsyncSession, collection: Collection, image: ImageRecord, actor: Principal
) -> None:
    """People add their own images (to their own collections or their group's)."""
    if image.owner_id != actor.user_id:
        raise NotFoundError("No such image.")
    if await session.get(CollectionItem, (collection.id, image.id)) is None:
        session.add(CollectionItem(collection_id=collection.id, image_id=image.id, added_by=actor.user_id))
        await session.flush()


async def remove_image(
    session: AsyncSession, collection: Collection, image_id: str, actor: Principal
) -> None:
    """The collection's owner removes any item; a member removes what they added."""
    item = await session.get(CollectionItem, (collection.id, image_id))
    if item is None or actor.user_id not in (collection.owner_id, item.added_by):
        raise NotFoundError("No such image in this collection.")
    await session.delete(item)


async def items(session: AsyncSession, collection: Collection) -> Sequence[ImageRecord]:
    query = (
        select(ImageRecord)
        .join(CollectionItem, CollectionItem.image_id == ImageRecord.id)
        .where(CollectionItem.collection_id == collection.id)
        .order_by(CollectionItem.added_at.desc())
    )
    return (await session.execute(query)).scalars().all()


async def collections_of_image(session: AsyncSession, image_id: str, user_id: str) -> list[Collection]:
    visible = {c.id: c for c in await visible_collections(session, user_id)}
    query = select(CollectionItem.collection_id).where(CollectionItem.image_id == image_id)
    return [visible[cid] for cid in (await session.execute(query)).scalars() if cid in visible]


async def may_see_image(session: AsyncSession, image_id: str, user_id: str) -> bool:
    """True when the image is in a collection this person sees (a group's shared collection)."""
    visible = [c.id for c in await visible_collections(session, user_id)]
    query = select(CollectionItem.image_id).where(
        CollectionItem.image_id == image_id, CollectionItem.collection_id.in_(visible)
    )
    return (await session.execute(query.limit(1))).first() is not None


async def set_favourite(session: AsyncSession, user_id: str, image_id: str, *, on: bool) -> None:
    found = await session.get(Favourite, (user_id, image_id))
    if on and found is None:
        session.add(Favourite(user_id=user_id, image_id=image_id))
    elif not on and found is not None:
        await session.delete(found)
    await session.flush()


async def is_favourite(session: AsyncSession, user_id: str, image_id: str) -> bool:
    return await session.get(Favourite, (user_id, image_id)) is not None


def parse_tags(value: str) -> list[str]:
    """Comma-separated, trimmed, lower case, without duplicates."""
    tags = sorted({t.strip().lower() for t in value.split(",") if t.strip()})
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in tags):
        raise InvalidRequestError(
            f"Use up to {MAX_TAGS} tags of up to {MAX_TAG} characters each.", param="tags"
        )
    return tags


async def set_tags(session: AsyncSession, image: ImageRecord, owner: Principal, tags: list[str]) -> None:
    if image.owner_id != owner.user_id:
        raise NotFoundError("No such image.")
    await session.execute(delete(ImageTag).where(ImageTag.image_id == image.id))
    session.add_all(ImageTag(image_id=image.id, tag=t) for t in tags)
    await session.flush()


async def tags_of(session: AsyncSession, image_id: str) -> list[str]:
    query = select(ImageTag.tag).where(ImageTag.image_id == image_id).order_by(ImageTag.tag)
    return list((await session.execute(query)).scalars())


async def tags_used(session: AsyncSession, owner_id: str) -> list[str]:
    query = (
        select(ImageTag.tag)
        .join(ImageRecord, ImageRecord.id == ImageTag.image_id)
        .where(ImageRecord.owner_id == owner_id)
        .distinct()
    )
    return sorted((await session.execute(query)).scalars())


async def _audit(
    session: AsyncSession,
    action: AuditAction,
    actor: Principal,
    collection: Collection,
    request_id: str | None = None,
    **data: object,
) -> None:
    await session.flush()
    await record(
        session,
        action=action,
        actor_id=actor.user_id,
        subject_type="collection",
        subject_id=collection.id,
        request_id=request_id,
        data=dict(data),
    )
