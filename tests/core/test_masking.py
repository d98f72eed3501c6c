from chengxin.masking import COMPOUND_SURNAMES, R8_COMPOUND_SURNAMES, mask_id, mask_name, mask_phone

# The compound-surname verses of the 百家姓, as printed (some "pairs" there are two single surnames).
BAIJIAXING = ("万俟司马 上官欧阳 夏侯诸葛 闻人东方 赫连皇甫 尉迟公羊 澹台公冶 宗政濮阳 淳于单于 太叔申屠 "
              "公孙仲孙 轩辕令狐 钟离宇文 长孙慕容 鲜于闾丘 司徒司空 亓官司寇 仉督子车 颛孙端木 巫马公西 "
              "漆雕乐正 壤驷公良 拓跋夹谷 宰父谷梁 晋楚闫法 汝鄢涂钦 段干百里 东郭南门 呼延归海 羊舌微生 "
              "岳帅缑亢 况后有琴 梁丘左丘 东门西门 商牟佘佴 伯赏南宫 墨哈谯笪 年爱阳佟 第五言福")
BAIJIAXING_PAIRS = {verse[i:i + 2] for verse in BAIJIAXING.split() for i in (0, 2)}
# Two single surnames printed as a pair; and real compound surnames whose single-surname reading
# (单 + 于飞, 宗 + 政国) is the likelier one: both show the first character only.
SINGLE_PAIRS = {"仉督", "晋楚", "闫法", "汝鄢", "涂钦", "岳帅", "缑亢", "况后", "有琴", "商牟", "佘佴", "伯赏",
                "墨哈", "谯笪", "年爱", "阳佟", "言福"}
DOUBTFUL = {"单于", "宗政", "乐正", "濮阳", "谷梁", "归海"}


def test_name_shows_surname_only():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳修文") == "欧阳**"
    assert mask_name("王") == "王*"
    assert mask_name(None) == ""


def test_a_name_that_starts_like_no_compound_surname_shows_one_character():
    # 吴铭 was in the list: 吴铭远 showed 吴铭*, a character of the given name.
    assert mask_name("吴铭远") == "吴**"
    assert mask_name("单于飞") == "单**" and mask_name("宗政国") == "宗**" and mask_name("晋楚生") == "晋**"
    assert mask_name("欧阳") == "欧*"  # two characters in all: never the whole name


def test_every_compound_surname_has_a_source_and_none_is_in_doubt():
    assert all(len(s) == 2 for s in COMPOUND_SURNAMES)
    assert set(R8_COMPOUND_SURNAMES) <= COMPOUND_SURNAMES  # the ones R8 names
    unsourced = COMPOUND_SURNAMES - set(R8_COMPOUND_SURNAMES) - BAIJIAXING_PAIRS
    assert not unsourced, unsourced
    assert not COMPOUND_SURNAMES & (SINGLE_PAIRS | DOUBTFUL)
    # Every other compound surname of the 百家姓 is in (nothing left out by mistake).
    assert BAIJIAXING_PAIRS - SINGLE_PAIRS - DOUBTFUL <= COMPOUND_SURNAMES
    for surname in COMPOUND_SURNAMES:
        assert mask_name(surname + "文华") == surname + "**"


def test_id_shows_at_most_four_and_four():
    assert mask_id("11010519491231002X") == "1101**********002X"
    assert mask_id("E1234567") == "********"


def test_phone_shows_three_and_four():
    assert mask_phone("13812345678") == "138****5678"
