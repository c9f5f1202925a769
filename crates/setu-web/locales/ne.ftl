# सेतु: नेपाली इन्टरफेस पाठ। यहाँका सबै id en.ftl मा पनि हुनुपर्छ (परीक्षणले जाँच्छ)।

app-name = सेतु
app-tagline = मानव बेचबिखनविरुद्ध सँगसँगै
skip-to-content = मुख्य सामग्रीमा जानुहोस्

nav-home = गृहपृष्ठ
nav-places = स्थानहरू
nav-organisations = संस्थाहरू
nav-sites = स्थलहरू
nav-menu = मेनु

pref-language = भाषा
pref-digits = अङ्क
pref-digits-deva = नेपाली अङ्क
pref-digits-latn = अंग्रेजी अङ्क
pref-ad-show = ईस्वी मिति देखाउनुहोस्
pref-ad-hide = ईस्वी मिति लुकाउनुहोस्

home-title = सेतु
home-intro = सेतुले नगरपालिकाका मानव बेचबिखन नियन्त्रण समिति, सीमा सूचना केन्द्र, प्रहरी, गैरसरकारी संस्था, युवा राजदूत र अभिभावक समूहलाई एउटै सुरक्षित साझा प्रणालीमा जोड्छ।
home-today = आज
home-fiscal-year = आर्थिक वर्ष { $fy }
home-geography = नेपालको भूगोल
home-geography-body = नेपालका सबै प्रदेश, जिल्ला, स्थानीय तह र वडा, नेपाली र अंग्रेजीमा।
home-directory = निर्देशिका
home-directory-body = बेचबिखनविरुद्ध काम गर्ने संस्थाहरू र अभिलेख बन्ने स्थलहरू।
home-browse = स्थानहरू हेर्नुहोस्
counts-provinces = प्रदेश
counts-districts = जिल्ला
counts-local-levels = स्थानीय तह
counts-wards = वडा
counts-organisations = संस्था
counts-sites = स्थल

places-title = स्थानहरू
places-search-label = नामबाट स्थान खोज्नुहोस् (नेपाली वा अंग्रेजी)
places-search-placeholder = जस्तै नेपालगञ्ज वा Nepalgunj
places-search-button = खोज्नुहोस्
places-search-title = “{ $query }” सँग मिल्ने स्थानहरू
places-no-results = यो नामसँग कुनै स्थान मिलेन।
place-code = सङ्केत
place-name = नाम
place-type = प्रकार
place-wards = वडा
place-parent = अन्तर्गत
place-children-province = प्रदेशहरू
place-children-district = जिल्लाहरू
place-children-local-level = स्थानीय तहहरू
place-children-ward = वडाहरू
place-here = यहाँ
level-country = देश
level-province = प्रदेश
level-district = जिल्ला
level-local-level = स्थानीय तह
level-ward = वडा
ward-name = वडा नं. { $number }
ll-type-metropolitan = महानगरपालिका
ll-type-sub-metropolitan = उपमहानगरपालिका
ll-type-municipality = नगरपालिका
ll-type-rural-municipality = गाउँपालिका

table-filter-label = यो तालिका छान्नुहोस्
table-count = { $count } पङ्क्ति
table-sort-hint = क्रम मिलाउन स्तम्भको शीर्षक छान्नुहोस्।

org-title = संस्थाहरू
org-new = संस्था थप्नुहोस्
org-edit = संस्था सम्पादन
org-kind-municipality = नगरपालिका/गाउँपालिका
org-kind-police-unit = प्रहरी एकाइ
org-kind-ssb-post = एसएसबी चौकी (भारत)
org-kind-ngo = गैरसरकारी संस्था
org-kind-committee = समन्वय समिति

site-title = स्थलहरू
site-new = स्थल थप्नुहोस्
site-edit = स्थल सम्पादन
site-kind-border-booth = सीमा सूचना केन्द्र
site-kind-police-post = प्रहरी चौकी
site-kind-shelter = आश्रय गृह
site-kind-ward-office = वडा कार्यालय

field-name-en = अंग्रेजीमा नाम
field-name-ne = नेपालीमा नाम
field-name-ne-hint = ऐच्छिक। खाली भए नेपाली पृष्ठमा अंग्रेजी नाम देखिन्छ।
field-kind = प्रकार
field-place = स्थान सङ्केत
field-place-hint = स्थानीय तह (५ अङ्क, जस्तै 51106) वा वडा (७ अङ्क, जस्तै 5110619) को सङ्केत। सङ्केत “स्थानहरू” मा पाइन्छ।
field-organisation = सञ्चालक
field-organisation-none = (कुनै होइन)
filter-all = सबै
filter-kind = प्रकार
filter-place = स्थान सङ्केत
filter-apply = देखाउनुहोस्
updated = अद्यावधिक
version = संस्करण
organisation = संस्था
none-yet = अहिलेसम्म कुनै छैन।
here-organisations = यहाँका संस्थाहरू
here-sites = यहाँका स्थलहरू
edit = सम्पादन

form-save = सुरक्षित गर्नुहोस्
form-cancel = रद्द गर्नुहोस्
form-saved = सुरक्षित भयो।
form-errors-summary = तल चिनो लगाइएका क्षेत्र सच्याउनुहोस्। अहिलेसम्म केही सुरक्षित भएको छैन।
form-conflict = तपाईंले खोलेपछि अरू कसैले यो अभिलेख परिवर्तन गर्नुभयो, त्यसैले तपाईंको परिवर्तन सुरक्षित भएन। तपाईंले लेखेको तल राखिएको छ; हालको अभिलेखसँग तुलना गरेर फेरि सुरक्षित गर्नुहोस्।
form-conflict-current = हालको अभिलेख खोल्नुहोस्
error-required = यो भर्नुहोस्।
error-too-long = यो धेरै लामो भयो।
error-control-chars = यसमा राख्न नमिल्ने अक्षर छन्।
error-choose-one = विकल्पमध्ये एउटा छान्नुहोस्।
error-place-code = यो स्थान सङ्केत होइन। स्थानीय तह (५ अङ्क) वा वडा (७ अङ्क) को सङ्केत लेख्नुहोस्।
error-unknown-place = यो सङ्केत भएको कुनै स्थान छैन।
error-unknown-organisation = त्यो संस्था छैन।

error-404-title = पृष्ठ भेटिएन
error-404-body = यो ठेगानामा कुनै पृष्ठ छैन। पृष्ठ सरेको वा लिङ्क गलत टाइप भएको हुन सक्छ।
error-400-title = अनुरोध बुझिएन
error-400-body = ठेगाना वा फारमको केही भाग पढ्न सकिएन।
error-500-title = केही गडबड भयो
error-500-body = सेतुले यो अनुरोध पूरा गर्न सकेन। पहिले सुरक्षित गरिएको केही हराएको छैन। फेरि प्रयास गर्नुहोस्; बारम्बार भए, भएको समय प्रशासकलाई बताउनुहोस्।
error-503-title = अहिले उपलब्ध छैन
error-503-body = सेतुले अहिले आफ्नो डाटाबेससम्म पुग्न सकेन। एक मिनेटपछि फेरि प्रयास गर्नुहोस्।
error-back-home = गृहपृष्ठमा फर्कनुहोस्

footer-about = सेतु नेपालमा मानव बेचबिखनको समुदायमा आधारित रोकथामका लागि स्वतन्त्र सफ्टवेयर हो।
footer-geography-source = भूगोल: nepali-address (MIT), सच्याइसहित।
