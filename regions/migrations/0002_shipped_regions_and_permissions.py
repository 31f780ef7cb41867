"""Load the regions the shipped plans need and let the office edit regions, leaders read them.

The list is `fixtures/regions.csv` as it was when this migration was written: kept
inline so that a later change to the file cannot change what this migration did.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REGIONS = [
    # code, name, parent code, short name, abbreviation in document numbers (文号)
    ("430000", "湖南省", "", "", "湘"),
    ("430100", "长沙市", "430000", "", "长"),
    ("430200", "株洲市", "430000", "", "株"),
    ("430300", "湘潭市", "430000", "", "潭"),
    ("430400", "衡阳市", "430000", "", "衡"),
    ("430500", "邵阳市", "430000", "", "邵"),
    ("430600", "岳阳市", "430000", "", "岳"),
    ("430700", "常德市", "430000", "", "常"),
    ("430800", "张家界市", "430000", "", "张"),
    ("430900", "益阳市", "430000", "", "益"),
    ("431000", "郴州市", "430000", "", "郴"),
    ("431100", "永州市", "430000", "", "永"),
    ("431200", "怀化市", "430000", "", "怀"),
    ("431300", "娄底市", "430000", "", "娄"),
    ("433100", "湘西土家族苗族自治州", "430000", "湘西州", ""),
    ("430302", "雨湖区", "430300", "", ""),
    ("430304", "岳塘区", "430300", "", ""),
    ("430321", "湘潭县", "430300", "", ""),
    ("430381", "湘乡市", "430300", "", ""),
    ("430382", "韶山市", "430300", "", ""),
    ("431102", "零陵区", "431100", "", ""),
    ("431103", "冷水滩区", "431100", "", "冷"),
    ("431122", "东安县", "431100", "", ""),
    ("431123", "双牌县", "431100", "", ""),
    ("431124", "道县", "431100", "", ""),
    ("431125", "江永县", "431100", "", ""),
    ("431126", "宁远县", "431100", "", ""),
    ("431127", "蓝山县", "431100", "", ""),
    ("431128", "新田县", "431100", "", ""),
    ("431129", "江华瑶族自治县", "431100", "江华县", ""),
    ("431181", "祁阳市", "431100", "", ""),
    ("433101", "吉首市", "433100", "", ""),
    ("433122", "泸溪县", "433100", "", ""),
    ("433123", "凤凰县", "433100", "", ""),
    ("433124", "花垣县", "433100", "", ""),
    ("433125", "保靖县", "433100", "", ""),
    ("433126", "古丈县", "433100", "", ""),
    ("433127", "永顺县", "433100", "", ""),
    ("433130", "龙山县", "433100", "", ""),
    ("420000", "湖北省", "", "", "鄂"),
    ("420600", "襄阳市", "420000", "", "襄"),
    ("420602", "襄城区", "420600", "", ""),
    ("420606", "樊城区", "420600", "", ""),
    ("420607", "襄州区", "420600", "", ""),
    ("420624", "南漳县", "420600", "", ""),
    ("420625", "谷城县", "420600", "", ""),
    ("420626", "保康县", "420600", "", ""),
    ("420682", "老河口市", "420600", "", ""),
    ("420683", "枣阳市", "420600", "", ""),
    ("420684", "宜城市", "420600", "", ""),
]


def level(code):
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def load(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    by_code = {}
    for code, name, parent, short_name, abbreviation in REGIONS:
        by_code[code], _ = Region.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": by_code.get(parent),
                "short_name": short_name,
                "abbreviation": abbreviation,
                "level": level(code),
            },
        )

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="regions")
    office, _ = Group.objects.get_or_create(name="优化办")
    office.permissions.add(*permissions)
    leader, _ = Group.objects.get_or_create(name="领导")
    leader.permissions.add(*permissions.filter(codename__startswith="view_"))


def unload(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    codes = [row[0] for row in REGIONS]
    # Children first: a region is protected while another points at it.
    for depth in ("county", "city", "province"):
        Region.objects.filter(code__in=codes, level=depth).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0001_initial"),
        ("units", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(load, unload)]
