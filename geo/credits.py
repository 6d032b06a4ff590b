"""Credit and licence lines shown with the data: one wording for the map, prints and exports."""

from __future__ import annotations

from geo.config import Settings

#: Where the coordinates come from (every output that shows places says this).
PLACES_CREDIT = "Places: GeoNames (CC BY 4.0) and Wikipedia (CC BY-SA) via the project gazetteer."
#: What the casualty numbers are.
CLAIMS_NOTE = (
    "Figures are attributed claims: casualty numbers are what named sources said, not verified "
    "counts; marker size uses the best estimate derived from those claims."
)
#: The licences of what an export contains, one line each.
LICENCES = (
    "Event layers, claims and gazetteer: CC BY-SA 4.0 (conflictmap contributors; some "
    "coordinates come from Wikipedia, CC BY-SA); every event cites the reports it rests on "
    "(see the sources table) — quote them under their own terms.",
    "Places: GeoNames (www.geonames.org), CC BY 4.0; Wikipedia, CC BY-SA.",
    "Code: MIT.",
)
SHARE_ALIKE_NOTE = (
    "ODbL and CC BY-SA are share-alike: derived boundary data stays under the same terms."
)


def print_attribution(settings: Settings | None = None) -> str:
    """Boundary attribution (from the boundary manifest), place credits and the claims note."""
    from geo.boundaries import attribution

    return " ".join([attribution(settings or Settings()), PLACES_CREDIT, CLAIMS_NOTE])
