"""API of the product catalogue."""

from datetime import date
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from khata.catalog.models import Category, PriceList, Product
from khata.catalog.selectors import categories, price_lists_current, products_visible
from khata.catalog.services import (
    category_create,
    price_list_create,
    price_set,
    product_create,
    product_update,
)
from khata.core.ids import MAX_ID
from khata.team.access import get_visible_or_404

router = Router(tags=["catalogue"])


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    category: str | None = Field(None, alias="category.name")
    description: str
    purpose: str
    target_industries: list[str]
    target_size_tiers: list[str]
    target_needs: list[str]
    unit: str
    list_price: Decimal
    currency: str
    is_active: bool

    @staticmethod
    def resolve_target_industries(obj) -> list[str]:
        return [industry.code for industry in obj.target_industries.all()]

    @staticmethod
    def resolve_target_needs(obj) -> list[str]:
        return [need.name for need in obj.target_needs.all()]


class ProductIn(Schema):
    sku: str | None = None
    name: str | None = None
    category: str | None = Field(None, description="category id or name")
    description: str | None = None
    purpose: str | None = None
    target_industries: list[str] | None = None
    target_size_tiers: list[str] | None = None
    target_needs: list[str] | None = None
    unit: str | None = None
    list_price: str | None = Field(None, description="a decimal amount, e.g. 1250.00")
    currency: str | None = None
    is_active: bool | None = None


class CategoryOut(Schema):
    id: int
    name: str
    parent: int | None = Field(None, alias="parent_id")


class CategoryIn(Schema):
    name: str
    parent: int | None = None


class PriceListOut(Schema):
    id: int
    name: str
    currency: str
    valid_from: date
    valid_to: date | None


class PriceListIn(Schema):
    name: str
    currency: str = "INR"
    valid_from: date
    valid_to: date | None = None


class PriceIn(Schema):
    product: int
    price: str


class PriceOut(Schema):
    product: int = Field(alias="product_id")
    price: Decimal


@router.get("/products", response=list[ProductOut])
@paginate
def product_list(request, q: str = "",
                 category: int | None = Query(None, ge=1, le=MAX_ID), industry: str = "",
                 need: int | None = Query(None, ge=1, le=MAX_ID), active: bool | None = True):
    return products_visible(user=request.auth_user, q=q, category=category, active=active,
                            industry=industry, need=need)


@router.post("/products", response={201: ProductOut}, summary="Add a product (head only)")
def product_add(request, payload: ProductIn):
    return Status(201, product_create(by=request.auth_user,
                                      data=payload.model_dump(exclude_unset=True)))


@router.get("/products/{product_id}", response=ProductOut)
def product_get(request, product_id: int):
    return get_visible_or_404(request.auth_user, Product, product_id)


@router.patch("/products/{product_id}", response=ProductOut)
def product_patch(request, product_id: int, payload: ProductIn):
    product = get_visible_or_404(request.auth_user, Product, product_id)
    return product_update(by=request.auth_user, product=product,
                          data=payload.model_dump(exclude_unset=True))


@router.get("/categories", response=list[CategoryOut])
def category_list(request):
    return categories(user=request.auth_user)


@router.post("/categories", response={201: CategoryOut})
def category_add(request, payload: CategoryIn):
    parent = (get_visible_or_404(request.auth_user, Category, payload.parent)
              if payload.parent else None)
    return Status(201, category_create(by=request.auth_user, name=payload.name, parent=parent))


@router.get("/price-lists", response=list[PriceListOut], summary="Price lists valid today")
def price_list_list(request):
    return price_lists_current(user=request.auth_user)


@router.post("/price-lists", response={201: PriceListOut})
def price_list_add(request, payload: PriceListIn):
    return Status(201, price_list_create(by=request.auth_user, **payload.model_dump()))


@router.put("/price-lists/{price_list_id}/prices", response=PriceOut,
            summary="Set a product's price in a price list")
def price_put(request, price_list_id: int, payload: PriceIn):
    price_list = get_visible_or_404(request.auth_user, PriceList, price_list_id)
    product = get_visible_or_404(request.auth_user, Product, payload.product)
    return price_set(by=request.auth_user, price_list=price_list, product=product,
                     price=payload.price)
