import pytest

pytestmark = pytest.mark.django_db


def test_regions_ship_kalimantan_barat_bengkayang_and_its_17_kecamatan(api):
    regions = api.get("/api/v1/regions/").json()
    by_code = {region["code"]: region for region in regions}
    assert by_code["61"] == {"code": "61", "name": "Kalimantan Barat", "level": "province",
                             "parent": None}
    assert by_code["61.07"]["name"] == "Bengkayang"
    assert by_code["61.07"]["parent"] == "61"
    districts = [r for r in regions if r["level"] == "district"]
    assert len(districts) == 17
    assert all(r["parent"] == "61.07" for r in districts)
    # Kemendagri numbering, not BPS's (where 61.07 would be Sintang).
    assert by_code["61.07.01"]["name"] == "Sungai Raya"
    assert by_code["61.07.15"]["name"] == "Sungai Raya Kepulauan"


def test_regions_filter_by_level_and_parent(api):
    assert [r["code"] for r in api.get("/api/v1/regions/?level=regency").json()] == ["61.07"]
    assert len(api.get("/api/v1/regions/?parent=61.07").json()) == 17
