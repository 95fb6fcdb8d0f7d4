"""A demo product range: categories, products with their purpose and targets, a price list."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from khata.catalog.models import Category, PriceList, PriceListItem, Product
from khata.clients.models import Industry, Need
from khata.core.demo import DemoContext, demo_step

RANGE = [  # category, parent, sku, name, purpose, unit, price, industries, tiers, needs
    ("Logistics", "Services", "SVC-LOG-01", "Cold-chain transport",
     "Keeps perishable goods between 2 and 8 °C from plant to retailer, with a log per trip.",
     "project", "85000", ["10", "21", "46"], ["medium", "large"], ["Cold chain", "Logistics"]),
    ("Logistics", "Services", "SVC-WH-02", "Bonded warehousing",
     "Stores imported goods duty-deferred until they are sold.", "month", "42000",
     ["46", "52"], ["medium", "large", "enterprise"], ["Warehousing", "Export finance"]),
    ("Software", "Products", "SW-ERP-01", "Khata ERP Lite",
     "Replaces spreadsheets for stock, invoices and GST returns in small plants.", "year",
     "60000", ["C"], ["micro", "small"], ["ERP"]),
    ("Software", "Products", "SW-SEC-02", "Managed security monitoring",
     "Finds intrusions within minutes and answers for them around the clock.", "month",
     "95000", ["K", "J", "Q"], ["large", "enterprise"], ["Cyber security"]),
    ("Software", "Products", "SW-BI-03", "Sales analytics",
     "Shows which customers and products make money, updated daily.", "licence", "18000",
     [], ["small", "medium", "large"], ["Data analytics"]),
    ("Energy", "Products", "EN-SOL-01", "Rooftop solar, 100 kW",
     "Cuts a plant's daytime power bill by a third with no capital outlay (pay per unit).",
     "project", "4500000", ["C", "H"], ["medium", "large"], ["Solar power"]),
    ("Packaging", "Products", "PK-BOX-01", "Corrugated export cartons",
     "Meets export drop-test rules so goods arrive undamaged.", "piece", "38.50",
     ["10", "13", "27"], [], ["Packaging"]),
    ("Maintenance", "Services", "SVC-AMC-01", "Annual maintenance contract",
     "Keeps machines running: planned visits and a 24-hour breakdown response.", "year",
     "120000", ["C"], ["small", "medium", "large"], ["Maintenance contracts"]),
    ("Training", "Services", "SVC-TRN-01", "Quality certification coaching",
     "Gets a plant ready for ISO 9001 audit in twelve weeks.", "project", "250000",
     ["C", "F"], ["small", "medium"], ["Quality certification", "Training"]),
    ("Finance", "Services", "SVC-FIN-01", "Export invoice discounting",
     "Pays 90 % of an export invoice within two days instead of waiting 90.", "project",
     "15000", ["C", "G"], ["small", "medium"], ["Export finance"]),
]


@demo_step(15)
def demo_catalog(ctx: DemoContext) -> None:
    """the product range, its categories and this year's price list"""
    if Product.objects.exists():
        return
    head = ctx.made.get("head")
    parents = {}
    for category, parent, sku, name, purpose, unit, price, codes, tiers, needs in RANGE:
        if parent not in parents:
            parents[parent] = Category.objects.get_or_create(name=parent, parent=None)[0]
        node = Category.objects.get_or_create(name=category, parent=parents[parent])[0]
        product = Product.objects.create(
            sku=sku, name=name, category=node, purpose=purpose, unit=unit,
            list_price=Decimal(price), currency="INR", target_size_tiers=tiers, created_by=head)
        product.target_industries.set(Industry.objects.filter(code__in=codes))
        product.target_needs.set([Need.objects.get_or_create(name=n)[0] for n in needs])
    today = timezone.localdate()
    price_list = PriceList.objects.create(name=f"Fair prices {today.year}", currency="INR",
                                          valid_from=today - timedelta(days=30),
                                          valid_to=today + timedelta(days=335))
    PriceListItem.objects.bulk_create([
        PriceListItem(price_list=price_list, product=product,
                      price=(product.list_price * Decimal("0.92")).quantize(Decimal("0.01")))
        for product in Product.objects.all()
    ])
