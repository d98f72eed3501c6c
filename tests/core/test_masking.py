from chengxin.masking import mask_id, mask_name, mask_phone


def test_name_shows_surname_only():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳修文") == "欧阳**"
    assert mask_name("王") == "王*"
    assert mask_name(None) == ""


def test_id_shows_at_most_four_and_four():
    assert mask_id("11010519491231002X") == "1101**********002X"
    assert mask_id("E1234567") == "********"


def test_phone_shows_three_and_four():
    assert mask_phone("13812345678") == "138****5678"
