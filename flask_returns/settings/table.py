"""Every ``RETURNS_*`` setting in one table: key, default, what it does, its check.

This table is the only list of settings: start-up checks every value against it,
the README's settings table is tested against it, and nothing else reads a
``RETURNS_*`` key that is not here.
"""

from __future__ import annotations

from . import checks
from .carriers import CARRIER_SETTINGS
from .checks import Setting
from .conversation import CONVERSATION_SETTINGS
from .defaults import DEFAULT_REASONS, shipped_locales
from .mail import MAIL_SETTINGS
from .resolutions import RESOLUTION_SETTINGS
from .storage import STORAGE_SETTINGS

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RETURNS_URL_PREFIX",
        "/returns",
        "Where the blueprint is mounted.",
        checks.url_prefix,
    ),
    Setting(
        "RETURNS_LAYOUT_TEMPLATE",
        "returns/layout.html",
        "The template every returns page extends; point it at a host template that "
        "defines the blocks `title` and `returns_content` to wear the shop's own layout.",
        checks.text,
    ),
    Setting(
        "RETURNS_SHOP_NAME",
        "Shop",
        "Shown to customers in page titles, emails and documents.",
        checks.text,
    ),
    Setting(
        "RETURNS_PUBLIC_URL",
        None,
        "The shop's address as customers reach it, e.g. `https://shop.example`; links in "
        "e-mails and PDFs made outside a request (the outbox command, webhooks) start "
        "with it. None uses the current request's address.",
        checks.optional_url,
    ),
    Setting(
        "RETURNS_LOCALES",
        shipped_locales(),
        "Languages offered to customers, in menu order. Each needs a catalog (English is "
        "the source); the default is every language shipped.",
        checks.locale_list,
    ),
    Setting(
        "RETURNS_DEFAULT_LOCALE",
        "en",
        "Language used when neither the customer, the host's selector nor the browser "
        "names a supported one.",
        checks.locale,
    ),
    Setting(
        "RETURNS_TRANSLATION_DIRECTORIES",
        (),
        "The shop's own catalog folders (`<lang>/LC_MESSAGES/flask_returns.mo`). Their "
        "messages win over ours, and they may add languages we do not ship.",
        checks.folder_list,
    ),
    Setting(
        "RETURNS_WINDOW_DAYS",
        30,
        "Days after delivery (or after the order, when no delivery date is known) "
        "during which a return can be requested.",
        checks.int_at_least(0),
    ),
    Setting(
        "RETURNS_REASONS",
        DEFAULT_REASONS,
        "Reason codes a customer chooses from, in display order.",
        checks.reason_codes,
    ),
    Setting(
        "RETURNS_REASON_LABELS",
        {},
        "Names for the shop's own reason codes (or new names for ours): "
        '`{"broken_zipper": "Broken zipper"}`, translated by the catalogs in '
        "`RETURNS_TRANSLATION_DIRECTORIES`, or by language: "
        '`{"broken_zipper": {"en": "Broken zipper", "pl": "Zepsuty zamek"}}`. A code '
        'without a name shows as written, `broken_zipper` as "Broken zipper".',
        checks.reason_labels,
    ),
    Setting(
        "RETURNS_PHOTO_REQUIRED_REASONS",
        ("damaged", "defective", "wrong_item"),
        "Reasons that need at least one photo.",
        lambda key, value: tuple(value),
    ),
    Setting(
        "RETURNS_REFUND_TIMING",
        "receipt",
        "`receipt`: refund once the goods are back; `authorization`: refund as soon as "
        "the return is authorized.",
        checks.choice("receipt", "authorization"),
    ),
    Setting(
        "RETURNS_CATEGORY_WINDOW_DAYS",
        {},
        "Return window per product category (the order line's `category`), e.g. "
        '`{"electronics": 14}`; wins over the country and the default window.',
        checks.days_by_category,
    ),
    Setting(
        "RETURNS_COUNTRY_WINDOW_DAYS",
        {},
        'Return window per shipping country, e.g. `{"US": 60}`; wins over the default.',
        checks.days_by_country,
    ),
    Setting(
        "RETURNS_FINAL_SALE_SKUS",
        (),
        "SKUs sold as final sale: shown, never returnable (the order adapter can also "
        "mark a line `returnable=False`).",
        checks.strings,
    ),
    Setting(
        "RETURNS_FINAL_SALE_CATEGORIES",
        (),
        "Product categories sold as final sale.",
        checks.strings,
    ),
    Setting(
        "RETURNS_CUSTOMER_PAYS_SHIPPING_REASONS",
        (),
        "Reasons for which the customer pays the return shipping: "
        "`RETURNS_RETURN_SHIPPING_COST` is kept back from the refund.",
        checks.strings,
    ),
    Setting(
        "RETURNS_RETURN_SHIPPING_COST",
        {},
        "What return shipping costs the customer, per currency in Stripe's units, e.g. "
        '`{"EUR": 495}`.',
        checks.amounts_by_currency,
    ),
    Setting(
        "RETURNS_AUTO_AUTHORIZE",
        None,
        'Authorize without a person: `{"max_total": {"EUR": 5000}, "except_reasons": '
        '["damaged"]}` authorizes returns worth at most 50.00 EUR unless a line is damaged. '
        "None: a person authorizes every return.",
        checks.auto_authorize,
    ),
    Setting(
        "RETURNS_POLICY",
        None,
        "A `ReturnPolicy` object that replaces every policy setting above (window, "
        "reasons, fees, shipping, timing, auto-authorization).",
        checks.policy_object,
    ),
    Setting(
        "RETURNS_MAX_PHOTOS",
        5,
        "Most photos one return request may carry.",
        checks.int_at_least(0),
    ),
    Setting(
        "RETURNS_MAX_PHOTO_BYTES",
        10 * 1024 * 1024,
        "Largest photo file accepted, in bytes. The blueprint caps its request size to "
        "what this and `RETURNS_MAX_PHOTOS` allow; the host app's own limit is untouched.",
        checks.int_at_least(1024),
    ),
    Setting(
        "RETURNS_PHOTO_MAX_SIDE",
        2048,
        "Photos are scaled down so that their long side is at most this many pixels.",
        checks.int_at_least(320),
    ),
    Setting(
        "RETURNS_PHOTO_MAX_PIXELS",
        60_000_000,
        "Photos with more pixels than this are refused before decoding (decompression bombs).",
        checks.int_at_least(1_000_000),
    ),
    Setting(
        "RETURNS_LOOKUP_RATE_LIMIT",
        "10 per minute;50 per hour",
        "Failed order or return look-ups allowed per client (Flask-Limiter syntax). The "
        "host's Limiter is used when it has one, so its storage is shared.",
        checks.rate_limit,
    ),
    Setting(
        "RETURNS_RATELIMIT_STORAGE_URI",
        None,
        "Where the module's own limiter counts look-ups when the host has no Limiter, e.g. "
        "`redis://redis.internal:6379/0` (install the `redis` extra); shared by every "
        "process and server. None counts in each process's memory.",
        checks.limits_storage,
    ),
    # ---------------------------------------------------------------- storage
    *STORAGE_SETTINGS,
    Setting(
        "RETURNS_STRIPE_API_KEY",
        None,
        "Stripe secret key used for refunds (`sk_test_...` or a restricted key).",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_STRIPE_API_BASE",
        None,
        "Another Stripe API address, e.g. a local test server; None means Stripe itself.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_STRIPE_WEBHOOK_SECRET",
        None,
        "Signing secret (`whsec_...`) of the webhook endpoint at `<prefix>/stripe/webhook`; "
        "without it the endpoint refuses every event.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_STRIPE_TIMEOUT",
        30,
        "Seconds to wait for Stripe before a refund's outcome counts as unknown.",
        checks.int_at_least(1),
    ),
    Setting(
        "RETURNS_RESTOCKING_FEES",
        {},
        'Restocking fee in percent per reason code, e.g. `{"changed_mind": 10}`; '
        "reasons not named carry no fee.",
        checks.percent_by_reason,
    ),
    Setting(
        "RETURNS_REFUND_ORIGINAL_SHIPPING",
        True,
        "Refund the order's shipping when every line of the order comes back in full.",
        checks.flag,
    ),
    # ---------------------------------------------------------------- labels
    Setting(
        "RETURNS_RETURN_ADDRESS",
        None,
        "Where returns are sent, printed on the label: a dict with `name`, `line1`, "
        "`line2`, `postal_code`, `city` and `country` (ISO 3166 code such as `DE`); "
        "`line2` and `postal_code` may be left out. None turns labels off (with a "
        "warning at start-up).",
        checks.return_address,
    ),
    Setting(
        "RETURNS_LABEL_PAGE_SIZE",
        "4x6",
        "Paper of the label PDF: `4x6` (a 4 x 6 in label printer), or `A4` / `Letter` "
        "with the label in a dashed cut line. The packing page uses the same paper.",
        checks.choice("4x6", "A4", "Letter"),
    ),
    Setting(
        "RETURNS_CARRIER_NAME",
        None,
        "The carrier named in the prepaid mark on the built-in label, e.g. `DHL`.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_CARRIER_ACCOUNT",
        None,
        "The shop's permit or account number with the carrier, printed in the prepaid mark.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_CARRIER_SERVICE",
        None,
        "The carrier's service printed in the prepaid mark, e.g. `Retoure Online`.",
        checks.optional_str,
    ),
    Setting(
        "RETURNS_DROP_OFF_DAYS",
        14,
        "Days after authorization by which the parcel should be handed to the carrier; "
        "the label and packing page print the date.",
        checks.int_at_least(1),
    ),
    Setting(
        "RETURNS_REFUND_DAYS",
        10,
        "Days a refund may take to show on the customer's statement; the packing page says so.",
        checks.int_at_least(1),
    ),
    Setting(
        "RETURNS_SHOP_CONTACT",
        None,
        'How customers reach the shop, printed on the packing page: `{"email": ..., '
        '"phone": ...}` (either may be left out). None prints only the status link.',
        checks.shop_contact,
    ),
    Setting(
        "RETURNS_LABEL_PROVIDER",
        None,
        "An object implementing `flask_returns.documents.LabelProvider` whose carrier "
        "label (PDF or PNG/JPEG) goes on the label page; None draws the built-in "
        "merchant-permit label.",
        checks.label_provider,
    ),
    Setting(
        "RETURNS_ADMIN_PERMISSION",
        None,
        "A callable that returns True when the current user may use the admin pages. "
        "None denies everyone (with a warning at start-up).",
        checks.optional_callable,
    ),
    Setting(
        "RETURNS_ADMIN_IDENTITY",
        None,
        "A callable that returns the acting admin's id for the history; None uses "
        "Flask-Login's `current_user.get_id()`.",
        checks.optional_callable,
    ),
    Setting(
        "RETURNS_ADMIN_PAGE_SIZE",
        50,
        "Returns per page in the admin queue.",
        checks.int_at_least(1),
    ),
    Setting(
        "RETURNS_BULK_REFUND_WORKERS",
        4,
        "Returns a bulk refund works on at once (each waits on Stripe, so a few side by "
        "side finish sooner); each holds a database connection, so keep it below the "
        "pool size. SQLite always takes them one by one.",
        checks.int_at_least(1),
    ),
    Setting(
        "RETURNS_WORKER_LEASE",
        600,
        "Seconds a periodic command's claim on a row lasts (an e-mail being sent, a refund "
        "being checked at Stripe): far longer than one row takes, so only a runner that "
        "died loses its rows, to whichever runs next after the lease.",
        checks.int_at_least(1),
    ),
    # ---------------------------------------------------------------- mail
    *MAIL_SETTINGS,
    # ---------------------------------------------------------------- resolutions
    *RESOLUTION_SETTINGS,
    # ---------------------------------------------------------------- conversation
    *CONVERSATION_SETTINGS,
    # ---------------------------------------------------------------- carriers
    *CARRIER_SETTINGS,
)
